"""The feed's two self-descriptions: the CSDL XML ``$metadata`` document (OData v4), from
which Power BI and OData clients learn the sets and types, and the JSON service document
that lists the sets."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from services.feed.schema import (
    CONTAINER,
    DECIMAL,
    ENTITY_SETS,
    ENTITY_TYPES,
    NAMESPACE,
    EntityType,
)

EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"
# Numeric(18, 4) in the store.
DECIMAL_FACETS = {"Precision": "18", "Scale": "4"}


def _entity_type(schema: ET.Element, entity_type: EntityType) -> None:
    element = ET.SubElement(schema, f"{{{EDM_NS}}}EntityType", Name=entity_type.name)
    key = ET.SubElement(element, f"{{{EDM_NS}}}Key")
    ET.SubElement(key, f"{{{EDM_NS}}}PropertyRef", Name="Id")
    for prop in entity_type.properties:
        attributes = {"Name": prop.name, "Type": prop.edm}
        if not prop.nullable:
            attributes["Nullable"] = "false"
        if prop.edm == DECIMAL:
            attributes.update(DECIMAL_FACETS)
        ET.SubElement(element, f"{{{EDM_NS}}}Property", attributes)


def metadata_document() -> bytes:
    """The CSDL XML of every entity type and set."""
    ET.register_namespace("edmx", EDMX_NS)
    ET.register_namespace("", EDM_NS)
    root = ET.Element(f"{{{EDMX_NS}}}Edmx", Version="4.0")
    services = ET.SubElement(root, f"{{{EDMX_NS}}}DataServices")
    schema = ET.SubElement(services, f"{{{EDM_NS}}}Schema", Namespace=NAMESPACE)
    for entity_type in ENTITY_TYPES:
        _entity_type(schema, entity_type)
    container = ET.SubElement(schema, f"{{{EDM_NS}}}EntityContainer", Name=CONTAINER)
    for entity_set in ENTITY_SETS:
        ET.SubElement(
            container,
            f"{{{EDM_NS}}}EntitySet",
            Name=entity_set.name,
            EntityType=f"{NAMESPACE}.{entity_set.type.name}",
        )
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def service_document(base_url: str) -> dict[str, Any]:
    """The sets, with URLs relative to ``base_url`` (the feed's root, ending in ``/``)."""
    return {
        "@odata.context": f"{base_url}$metadata",
        "value": [{"name": s.name, "kind": "EntitySet", "url": s.name} for s in ENTITY_SETS],
    }
