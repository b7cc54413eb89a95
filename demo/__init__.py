"""The demo's own material: the sample region (the CSV, Excel and TOML files beside this
module, loaded by ``demo.sample_region``; ``demo.demo_rounds`` makes its rounds) and the local
stand-ins ``lagesbot demo`` runs instead of Microsoft's cloud: ``graph_standin`` (Microsoft
Graph: the region's directory and an intranet site) with ``entra_standin`` (its Entra ID token
endpoint), and ``teams_standin`` (the Bot Connector for everyone but the Playground's users).
The tests use the same stand-ins."""
