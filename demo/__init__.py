"""The demo's own material: the sample region (the CSV, Excel and TOML files beside this
module, loaded by ``services.demo_data``) and the local stand-ins ``lagesbot demo`` runs
instead of Microsoft's cloud: ``graph_standin`` (Microsoft Graph: the region's directory and
an intranet site) with ``entra_standin`` (its Entra ID token endpoint). The tests use the
same stand-ins."""
