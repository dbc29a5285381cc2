"""项目清单 catalog: subsidy programs and their standards."""
