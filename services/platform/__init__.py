"""The platform the services run on: settings, access tokens, log context and the Teams app package."""
