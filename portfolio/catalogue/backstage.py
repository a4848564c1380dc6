"""Products as Backstage catalogue entities (catalog-info.yaml), out and back
in (`backstage_import`).

Every product is a `kind: System` of `spec.type: product`: in Backstage's
model a system is what a team owns and offers as a whole, and the components
(services, websites, libraries) that teams already describe in their own
catalog-info.yaml files join it with `spec.system: <its name>`. So a product
appears once, whether it is built, bought or both.

The mapping (documented in the README too):

- `metadata.name`: the slug. Slugs are lower-case letters, digits and single
  dashes, which Backstage accepts; one longer than Backstage's 63 characters
  is cut to 54 and given a dash and 8 characters of its SHA-256
  (`entity_name`), so that two long slugs never share a name.
- `metadata.title`: the name; `metadata.description`: the one-line summary
  (plain text; omitted when empty).
- `metadata.tags`: the tags made into Backstage tags (`backstage_tag`), in the
  product's order, repeats and empty ones dropped.
- `metadata.links`: the product's page in Portfolio (type `portfolio`), then
  its documentation, source code and PRD links.
- `spec.owner`: `user:<the part of the owner's email before @>` (made into a
  Backstage name), or `group:unowned` for a product without an owner.
- `spec.lifecycle`: idea, discovery and building are `experimental`, live is
  `production`, sunsetting and retired are `deprecated`. Backstage's System
  kind does not define a lifecycle (Component does), but its schema allows it
  and it is what a reader of the entity wants to know.
- `metadata.annotations` under `portfolio.example/`: what the rest cannot
  carry exactly, so that an import gives the product back as it was — slug,
  category, stage, sourcing, vendor, owner-email, tags (as written in
  Portfolio), successor (its slug), retired-on and retirement-reason. Empty
  values are left out.

The value proposition, usage, measures, contract and stakeholders stay in
Portfolio (the CSV export has them).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.catalogue.products import TAG_SEPARATOR
from portfolio.models import Product, Stage, User
from portfolio.urls import external_url

API_VERSION = "backstage.io/v1alpha1"
API_VERSIONS = (API_VERSION, "backstage.io/v1beta1")  # what the System schema accepts
KIND = "System"
SYSTEM_TYPE = "product"
ANNOTATION_PREFIX = "portfolio.example/"
MEDIA_TYPE = "application/yaml"

# Backstage's own rules (@backstage/catalog-model, makeValidator and
# KubernetesValidatorFunctions): names and tags at most 63 characters.
NAME_LENGTH = 63
NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
TAG = re.compile(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$")
NOT_IN_TAG = re.compile(r"[^a-z0-9:+#]+")
NOT_IN_NAME = re.compile(r"[^a-z0-9_.]+")
SEPARATORS = re.compile(r"[-_.]{2,}")
HASH_LENGTH = 8

LIFECYCLES = {
    Stage.IDEA: "experimental",
    Stage.DISCOVERY: "experimental",
    Stage.BUILDING: "experimental",
    Stage.LIVE: "production",
    Stage.SUNSETTING: "deprecated",
    Stage.RETIRED: "deprecated",
}
UNOWNED = "group:unowned"

# The product's links: its field, and the link's type and title in the entity.
LINKS = {
    "docs_url": ("documentation", "Documentation"),
    "source_url": ("source", "Source code"),
    "prd_url": ("prd", "PRD"),
}
PORTFOLIO_LINK = "portfolio"


def annotation(name: str) -> str:
    return ANNOTATION_PREFIX + name


def entity_name(slug: str) -> str:
    """The slug, or (longer than Backstage allows) its first 54 characters,
    a dash and 8 of its hash."""
    if len(slug) <= NAME_LENGTH:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:HASH_LENGTH]
    return f"{slug[: NAME_LENGTH - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def backstage_tag(name: str) -> str | None:
    """'Month end' → 'month-end', 'café' → 'cafe', 'r&d' → 'r-d'; None when
    nothing Backstage allows is left."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    tag = NOT_IN_TAG.sub("-", ascii_text).strip("-")
    return tag[:NAME_LENGTH].strip("-") or None


def backstage_tags(names: Iterable[str]) -> list[str]:
    tags: list[str] = []
    for name in names:
        tag = backstage_tag(name)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def owner_ref(owner: User | None) -> str:
    """`user:<local part>` as a Backstage name ('Jane.Doe+pm@x' → 'user:jane.doe-pm')."""
    if owner is None:
        return UNOWNED
    local = owner.email.split("@")[0].lower()
    name = SEPARATORS.sub("-", NOT_IN_NAME.sub("-", local))[:NAME_LENGTH].strip("-_.")
    return f"user:{name}" if name else UNOWNED


def entity(product: Product) -> dict:
    """The product as a Backstage entity (its owner, successor and tags loaded)."""
    metadata: dict = {"name": entity_name(product.slug), "title": product.name}
    if product.summary:
        metadata["description"] = product.summary
    tags = backstage_tags(product.tag_names)
    if tags:
        metadata["tags"] = tags
    links = [
        {
            "url": external_url("catalogue.show", slug=product.slug),
            "title": "Portfolio",
            "type": PORTFOLIO_LINK,
        }
    ]
    for field, (link_type, title) in LINKS.items():
        url = getattr(product, field)
        if url:
            links.append({"url": url, "title": title, "type": link_type})
    metadata["links"] = links
    values = {
        "slug": product.slug,
        "category": product.category.value,
        "stage": product.stage.value,
        "sourcing": product.sourcing.value,
        "vendor": product.vendor,
        "owner-email": product.owner.email if product.owner else None,
        "tags": TAG_SEPARATOR.join(product.tag_names),
        "successor": product.successor.slug if product.successor else None,
        "retired-on": product.retired_on.isoformat() if product.retired_on else None,
        "retirement-reason": product.retirement_reason,
    }
    metadata["annotations"] = {annotation(key): value for key, value in values.items() if value}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata,
        "spec": {
            "type": SYSTEM_TYPE,
            "owner": owner_ref(product.owner),
            "lifecycle": LIFECYCLES[product.stage],
        },
    }


def dump(entities: Iterable[dict]) -> str:
    """YAML documents (PyYAML's safe dumper: plain data, every odd string quoted)."""
    return yaml.safe_dump_all(
        entities, sort_keys=False, allow_unicode=True, explicit_start=True, width=100
    )


def product_entity_query(slug: str | None = None) -> sa.Select:
    """Products with what `entity` reads; one product by slug, or all by slug."""
    query = sa.select(Product).options(
        joinedload(Product.owner), joinedload(Product.successor), selectinload(Product.tags)
    )
    if slug is not None:
        return query.where(Product.slug == slug)
    return query.order_by(Product.slug)


def catalog_info(product: Product) -> str:
    return dump([entity(product)])


def export_entities(session: Session, directory: Path) -> list[Path]:
    """Write `directory/<slug>.yaml` for every product (retired ones too);
    the files written, by slug. Other files in `directory` are left alone."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for product in session.execute(product_entity_query()).unique().scalars():
        path = directory / f"{product.slug}.yaml"
        path.write_text(catalog_info(product), encoding="utf-8")
        written.append(path)
    return written
