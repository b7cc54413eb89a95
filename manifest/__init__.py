"""The Teams app manifest template, its English localization and the icons (package data,
filled in by services.platform.app_package)."""
