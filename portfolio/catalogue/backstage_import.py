"""Backstage entities in: the files `flask export-backstage` writes (see
`backstage` for the mapping), or catalog-info.yaml files written by hand.

Every document of every file is checked first, with the product form's rules
and limits; if any is wrong, the report names each problem by file, document
and entity, and nothing is written. Then each entity creates the product of
its slug or updates it, through `create_product` and `edit_product`, so the
trail records the changes as it does for the web forms (attributed to the
account given, or to nobody).

An entity Portfolio wrote (it has the `portfolio.example/slug` annotation)
describes the whole product: what it leaves out is empty (no vendor, no
owner, no tags…). An entity without it (written by hand, or by Backstage)
names its product by `metadata.name`, and changes only what it says: its
title, description, tags, links and lifecycle, and any Portfolio annotation
it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, joinedload, selectinload

from portfolio.catalogue import limits
from portfolio.catalogue.backstage import (
    API_VERSION,
    API_VERSIONS,
    KIND,
    LIFECYCLES,
    LINKS,
    NAME,
    NAME_LENGTH,
    annotation,
    entity_name,
)
from portfolio.catalogue.csv_cells import ImportReport, RowError, parse_date, parse_enum, quoted
from portfolio.catalogue.lifecycle import REASON_LENGTH, retirement_date_problem
from portfolio.catalogue.products import create_product, edit_product, parse_tags, slugify
from portfolio.forms import HTTP_URL
from portfolio.models import Category, Product, Sourcing, Stage, User

# What one import reads at most.
MAX_FILE_BYTES = 5 * 2**20
MAX_ENTITIES = 2000
MAX_LINKS = 50
# A stage for each lifecycle, for an entity that does not say its stage.
LIFECYCLE_STAGES = {
    "experimental": Stage.DISCOVERY,
    "production": Stage.LIVE,
    "deprecated": Stage.SUNSETTING,
}
# The fields of `create_product` / `edit_product` an entity sets (not the
# slug, which finds the product, nor the successor, set once all exist).
FIELDS = (
    "name",
    "summary",
    "category",
    "stage",
    "owner_id",
    "sourcing",
    "vendor",
    "docs_url",
    "source_url",
    "prd_url",
    "tags",
)
BLANK = {
    "category": Category.OTHER,
    "owner_id": None,
    "sourcing": Sourcing.BUILT,
    "vendor": None,
    "docs_url": None,
    "source_url": None,
    "prd_url": None,
    "tags": [],
}


class EntityError(RowError):
    """What is wrong with one entity (several problems joined)."""


@dataclass
class Document:
    file: str
    index: int  # from 1, as the file's `---` separated documents are counted
    data: object

    @property
    def place(self) -> str:
        """'document 2 (System “sales-crm”)', or as much of it as is known."""
        data = self.data if isinstance(self.data, dict) else {}
        metadata = data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        kind = data.get("kind") if isinstance(data.get("kind"), str) else "entity"
        if isinstance(name, str):
            return f"document {self.index} ({quoted(kind)} “{quoted(name)}”)"
        return f"document {self.index}"


@dataclass
class Plan:
    """One checked entity, ready to be written."""

    document: Document
    slug: str
    fields: dict
    successor: str | None  # a slug
    # (retired_on, reason) to set on a retired product; None: as the domain leaves it.
    retirement: tuple[date | None, str | None] | None


@dataclass
class BackstageImport:
    report: ImportReport = field(default_factory=ImportReport)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok


def import_entities(
    session: Session, actor: User | None, paths: list[Path], today: date | None = None
) -> BackstageImport:
    """Check every entity of the files; create or update every product, or
    (a problem anywhere) write nothing — the caller rolls back on `not ok`,
    as a problem the domain finds while writing leaves the session changed."""
    result = BackstageImport()
    report = result.report
    documents = [doc for path in paths for doc in read_documents(path, report)]
    if len(documents) > MAX_ENTITIES:
        report.errors.append(f"more than {MAX_ENTITIES:,} entities: import them in parts")
        return result
    if not documents and report.ok:
        report.errors.append("no entities in the files given")
        return result
    checker = Checker.against(session, documents, today or date.today())
    plans = []
    for document in documents:
        try:
            plans.append(checker.check(document))
        except RowError as problem:
            report.located(document.file, document.place, str(problem))
    checker.check_successors(plans, report)
    if report.ok:
        write(session, actor, plans, checker.stored, result)
    report.close()
    return result


def read_documents(path: Path, report: ImportReport) -> list[Document]:
    """The YAML documents of `path` (empty ones skipped); a file that cannot be
    read, is too large, is not UTF-8 or not YAML is reported."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            report.file_error(name, f"{size:,} bytes; the import reads files of at most 5 MB")
            return []
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as problem:
        report.file_error(name, f"cannot be read ({problem.strerror or problem})")
        return []
    except UnicodeDecodeError:
        report.file_error(name, "not UTF-8 text")
        return []
    documents = []
    loaded = yaml.safe_load_all(text)
    for index in range(1, MAX_ENTITIES + 2):
        try:
            data = next(loaded)
        except StopIteration:
            break
        except yaml.YAMLError as problem:
            # The documents before it are checked still; the rest cannot be read.
            mark = getattr(problem, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark is not None else ""
            reason = getattr(problem, "problem", None) or "unreadable"
            report.located(name, f"document {index}", f"not YAML{where}: {reason}")
            break
        if data is not None:
            documents.append(Document(name, index, data))
    return documents


# Checking -------------------------------------------------------------------------


@dataclass
class Checker:
    stored: dict[str, Product]  # by slug: the products the files name, as stored
    users_by_email: dict[str, int]
    today: date
    seen: dict[str, Document] = field(default_factory=dict)  # slug → its first document

    @classmethod
    def against(cls, session: Session, documents: list[Document], today: date) -> Checker:
        """What the database holds of the slugs and emails the documents name
        (two queries, however many documents)."""
        slugs, emails = set(), set()
        for document in documents:
            annotations = _annotations_of(document.data)
            metadata = document.data.get("metadata") if isinstance(document.data, dict) else None
            for value in (
                metadata.get("name") if isinstance(metadata, dict) else None,
                annotations.get(annotation("slug")),
                annotations.get(annotation("successor")),
            ):
                if isinstance(value, str):
                    slugs.add(value)
            email = annotations.get(annotation("owner-email"))
            if isinstance(email, str):
                emails.add(email.strip().lower())
        stored = (
            session.execute(
                sa.select(Product)
                .where(Product.slug.in_(slugs))
                .options(
                    joinedload(Product.owner),
                    joinedload(Product.successor),
                    selectinload(Product.tags),
                )
            )
            .unique()
            .scalars()
        )
        users = session.execute(sa.select(User.email, User.id).where(User.email.in_(emails)))
        return cls(
            stored={product.slug: product for product in stored},
            users_by_email={email.lower(): user_id for email, user_id in users},
            today=today,
        )

    def check(self, document: Document) -> Plan:
        data = document.data
        if not isinstance(data, dict):
            raise EntityError("not an entity (a mapping of apiVersion, kind, metadata and spec)")
        if data.get("apiVersion") not in API_VERSIONS:
            raise EntityError(f"apiVersion {_shown(data.get('apiVersion'))}: use {API_VERSION}")
        if data.get("kind") != KIND:
            raise EntityError(
                f"kind {_shown(data.get('kind'))}: only {KIND} entities are imported "
                f"(Portfolio writes each product as a {KIND})"
            )
        metadata, spec = data.get("metadata"), data.get("spec")
        if not isinstance(metadata, dict):
            raise EntityError("metadata: missing")
        name = metadata.get("name")
        if not (isinstance(name, str) and len(name) <= NAME_LENGTH and NAME.match(name)):
            raise EntityError(
                f"metadata.name {_shown(name)}: not a Backstage name (letters and digits, "
                f"with - _ . between them, at most {NAME_LENGTH} characters)"
            )
        if not isinstance(spec, dict):
            raise EntityError("spec: missing (a System needs spec.owner and spec.lifecycle)")
        annotations = _annotations_of(data)
        if not isinstance(metadata.get("annotations", {}), dict):
            raise EntityError("metadata.annotations: must be a mapping")
        ours = {}
        for key, value in annotations.items():
            if isinstance(key, str) and key.startswith(annotation("")):
                if not isinstance(value, str):
                    raise EntityError(f"annotation {key}: must be text (quote it)")
                ours[key.removeprefix(annotation(""))] = value.strip()
        slug = self.checked_slug(name, ours, document)
        stored = self.stored.get(slug)
        # A Portfolio-written entity says everything; another changes what it says.
        whole = "slug" in ours
        if stored is None or whole:
            base = dict(BLANK)
        else:
            base = {key: getattr(stored, key) for key in FIELDS if key != "tags"}
            base["tags"] = stored.tag_names
        problems: list[str] = []
        values = dict(base)

        def take(check, *args) -> None:
            try:
                check(*args)
            except RowError as problem:
                problems.append(str(problem))

        take(self.check_owner_ref, spec)
        take(self.check_texts, metadata, values, stored, name)
        take(self.check_stage, spec, ours, values, stored)
        take(self.check_annotations, ours, values)
        take(self.check_tags, metadata, ours, values)
        take(self.check_links, metadata, values)
        retirement = None
        try:
            retirement = self.checked_retirement(ours, values.get("stage"), stored, whole)
        except RowError as problem:
            problems.append(str(problem))
        if problems:
            raise EntityError("; ".join(problems))
        successor = ours.get("successor") or None
        if not whole and "successor" not in ours:
            successor = stored.successor.slug if stored and stored.successor else None
        return Plan(document, slug, values, successor, retirement)

    def checked_slug(self, name: str, ours: dict[str, str], document: Document) -> str:
        slug = ours.get("slug", name)
        where = f"annotation {annotation('slug')}" if "slug" in ours else "metadata.name"
        if not slug or len(slug) > limits.SLUG or slug != slugify(slug):
            raise EntityError(
                f"{where} “{quoted(slug)}”: a Portfolio slug is lower-case letters, digits "
                f"and single dashes, at most {limits.SLUG} characters"
            )
        if entity_name(slug) != name:
            raise EntityError(
                f"metadata.name “{quoted(name)}” is not the name of slug “{quoted(slug)}” "
                f"(“{entity_name(slug)}”)"
            )
        first = self.seen.setdefault(slug, document)
        if first is not document:
            raise EntityError(f"product “{slug}” is also in {first.file} {first.place}")
        return slug

    def check_owner_ref(self, spec: dict) -> None:
        if not (isinstance(spec.get("owner"), str) and spec["owner"].strip()):
            raise EntityError("spec.owner: missing (Backstage requires an owner)")

    def check_texts(self, metadata: dict, values: dict, stored: Product | None, name: str) -> None:
        title = _text(metadata, "title", "metadata.title")
        if title is not None or stored is None:
            title = (title if title is not None else name).strip()
            if not title:
                raise EntityError("metadata.title: must not be empty")
            if len(title) > limits.NAME:
                raise EntityError(f"metadata.title: longer than {limits.NAME} characters")
            values["name"] = title
        summary = _text(metadata, "description", "metadata.description")
        if summary is not None:
            summary = summary.strip()
            if len(summary) > limits.SUMMARY:
                raise EntityError(f"metadata.description: longer than {limits.SUMMARY} characters")
            values["summary"] = summary
        if not values.get("summary"):
            raise EntityError("metadata.description: a product needs its one-line summary")

    def check_stage(self, spec: dict, ours: dict, values: dict, stored: Product | None) -> None:
        lifecycle = spec.get("lifecycle")
        if lifecycle not in LIFECYCLE_STAGES:
            raise EntityError(
                f"spec.lifecycle {_shown(lifecycle)}: unknown (use {', '.join(LIFECYCLE_STAGES)})"
            )
        if "stage" in ours:
            stage = parse_enum(Stage, ours["stage"], f"stage (annotation {annotation('stage')})")
            if LIFECYCLES[stage] != lifecycle:
                raise EntityError(
                    f"spec.lifecycle “{lifecycle}” does not go with stage “{stage.value}” "
                    f"(which is {LIFECYCLES[stage]})"
                )
        elif stored is not None and LIFECYCLES[stored.stage] == lifecycle:
            stage = stored.stage
        else:
            stage = LIFECYCLE_STAGES[lifecycle]
        values["stage"] = stage

    def check_annotations(self, ours: dict[str, str], values: dict) -> None:
        if "category" in ours:
            values["category"] = parse_enum(Category, ours["category"], "category")
        if "sourcing" in ours:
            values["sourcing"] = parse_enum(Sourcing, ours["sourcing"], "sourcing")
        if "vendor" in ours:
            if len(ours["vendor"]) > limits.NAME:
                raise EntityError(f"vendor: longer than {limits.NAME} characters")
            values["vendor"] = ours["vendor"] or None
        if values["sourcing"] is not Sourcing.BUILT and not values["vendor"]:
            raise EntityError(
                f"a bought or hybrid product needs a vendor (annotation {annotation('vendor')})"
            )
        if "owner-email" in ours:
            email = ours["owner-email"]
            owner_id = self.users_by_email.get(email.lower()) if email else None
            if email and owner_id is None:
                raise EntityError(f"no user has the email “{quoted(email)}” (owner-email)")
            values["owner_id"] = owner_id

    def check_tags(self, metadata: dict, ours: dict[str, str], values: dict) -> None:
        if "tags" in ours:
            text = ours["tags"]
        elif "tags" in metadata:
            tags = metadata["tags"]
            if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
                raise EntityError("metadata.tags: must be a list of text")
            text = ", ".join(tags[: limits.TAGS + 1])
        else:
            return
        if len(text) > limits.TAGS_TEXT:
            raise EntityError(f"tags: longer than {limits.TAGS_TEXT} characters in all")
        try:
            values["tags"] = parse_tags(text)
        except ValueError as problem:
            raise EntityError(f"tags: {problem}") from None

    def check_links(self, metadata: dict, values: dict) -> None:
        """The documentation, source and PRD links by type; given links, a type
        missing clears its link (other types, Portfolio's own included, are
        not kept)."""
        if "links" not in metadata:
            return
        links = metadata["links"]
        if not isinstance(links, list) or len(links) > MAX_LINKS:
            raise EntityError(f"metadata.links: must be a list of at most {MAX_LINKS} links")
        fields = {link_type: field for field, (link_type, _) in LINKS.items()}
        found: dict[str, str] = {}
        for number, link in enumerate(links, 1):
            if not isinstance(link, dict) or not isinstance(link.get("url"), str):
                raise EntityError(f"metadata.links {number}: a link needs a url")
            field_name = fields.get(link.get("type"))
            if field_name is None:
                continue
            url = link["url"].strip()
            if len(url) > limits.URL or not HTTP_URL.match(url):
                raise EntityError(
                    f"metadata.links {number} ({link['type']}): a web address starting with "
                    f"https:// or http://, at most {limits.URL} characters"
                )
            if field_name in found:
                raise EntityError(f"metadata.links: two links of type {link['type']}")
            found[field_name] = url
        for field_name in fields.values():
            values[field_name] = found.get(field_name)

    def checked_retirement(
        self, ours: dict[str, str], stage: Stage | None, stored: Product | None, whole: bool
    ) -> tuple[date | None, str | None] | None:
        given = [key for key in ("retired-on", "retirement-reason") if ours.get(key)]
        if stage is not Stage.RETIRED:
            if given:
                raise EntityError(
                    f"{' and '.join(given)}: only a retired product has them "
                    f"(stage is {stage.value if stage else 'unknown'})"
                )
            return None
        if not whole and not given:
            return None
        retired_on = None
        if ours.get("retired-on"):
            retired_on = parse_date(ours["retired-on"], "retired-on")
            if stored is None or stored.retired_on != retired_on:
                problem = retirement_date_problem(stored, retired_on, self.today)
                if problem:
                    raise EntityError(f"retired-on: {problem}")
        reason = ours.get("retirement-reason") or None
        if reason and len(reason) > REASON_LENGTH:
            raise EntityError(f"retirement-reason: longer than {REASON_LENGTH} characters")
        return retired_on, reason

    def check_successors(self, plans: list[Plan], report: ImportReport) -> None:
        """A successor is a product of the files or of the database."""
        in_files = {plan.slug for plan in plans}
        for plan in plans:
            slug = plan.successor
            if slug and slug not in in_files and slug not in self.stored:
                report.located(
                    plan.document.file,
                    plan.document.place,
                    f"successor “{quoted(slug)}”: no such product (not in the files nor the "
                    "catalogue)",
                )


def _annotations_of(data: object) -> dict:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _text(mapping: dict, key: str, where: str) -> str | None:
    value = mapping.get(key)
    if value is not None and not isinstance(value, str):
        raise EntityError(f"{where}: must be text")
    return value


def _shown(value: object) -> str:
    """A value a message quotes: “text”, or what it is instead."""
    if value is None:
        return "(missing)"
    return f"“{quoted(value if isinstance(value, str) else repr(value))}”"


# Writing ----------------------------------------------------------------------------


def write(
    session: Session,
    actor: User | None,
    plans: list[Plan],
    stored: dict[str, Product],
    result: BackstageImport,
) -> None:
    """Create or update every product, then set the successors (a successor may
    be created by the same import). A problem the domain functions find is
    reported against its entity."""
    products: dict[str, Product] = {}
    for plan in plans:
        product = stored.get(plan.slug)
        try:
            if product is None:
                product = create_product(session, actor, slug=plan.slug, **plan.fields)
                result.created.append(plan.slug)
            else:
                # A machine sync, not someone confirming the entry: no review.
                edit_product(session, actor, product, counts_as_review=False, **plan.fields)
                result.updated.append(plan.slug)
        except ValueError as problem:
            _report(result, plan, problem)
            continue
        if plan.retirement is not None and product.is_retired:
            # Without a date, retired since the domain says (today, when newly retired).
            product.retired_on = plan.retirement[0] or product.retired_on
            product.retirement_reason = plan.retirement[1]
        products[plan.slug] = product
    session.flush()
    for plan in plans:
        product = products.get(plan.slug)
        if product is None:
            continue
        successor = None
        if plan.successor:
            successor = products.get(plan.successor) or stored[plan.successor]
        if successor is not product.successor:
            try:
                edit_product(
                    session,
                    actor,
                    product,
                    tags=product.tag_names,
                    counts_as_review=False,
                    successor_id=successor.id if successor else None,
                )
            except ValueError as problem:
                _report(result, plan, problem)
    session.flush()


def _report(result: BackstageImport, plan: Plan, problem: ValueError) -> None:
    result.report.located(plan.document.file, plan.document.place, str(problem))
