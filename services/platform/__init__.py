"""What the services run on: settings, access tokens, Retry-After and number parsing, log
context, health and the Teams app package."""
