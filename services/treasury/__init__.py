"""国库集中支付 treasury: budget quotas (指标) and payment orders per program and agency bank."""
