"""Microsoft Graph: the interface the bot uses and its msgraph-sdk implementation."""
