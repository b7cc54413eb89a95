"""The platform the services run on: settings, access tokens, Retry-After, log context and
the Teams app package."""
