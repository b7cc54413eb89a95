"""The demo: the sample region, its rounds and the local Graph stand-in."""
