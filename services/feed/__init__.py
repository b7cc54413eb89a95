"""The read feed for BI and the data warehouse: OData v4 JSON over the plans, items, rounds and
answers (``/api/odata/``, routed in ``bot.feed``)."""
