"""举报/投诉 complaint: hotline intake and a public form."""
