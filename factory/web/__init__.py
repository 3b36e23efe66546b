"""Web plumbing shared by every blueprint: who is asking, the audit log, security headers,
languages, public links, the workshop's clock and the one page-rendering helper."""
