"""What the services run on: settings, access tokens, log context, health and the Teams app
package."""
