"""Departments: the list, one department's page, adding and editing them
(endpoints `catalogue.departments.*`)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.departments import create_department, edit_department
from portfolio.catalogue.forms import DepartmentForm
from portfolio.catalogue.queries import (
    DEPARTMENTS_PER_PAGE,
    DepartmentFilters,
    department_page,
    departments_overview,
)
from portfolio.extensions import db
from portfolio.filters import parse_id
from portfolio.htmx import render, render_fragment
from portfolio.models import Department, Product
from portfolio.queries import paginate
from portfolio.requests.queries import count_open_requests, open_requests_for
from portfolio.selects import department_source, search_options

bp = Blueprint("departments", __name__)


@bp.get("/departments")
@requires("browse")
def index():
    filters = DepartmentFilters.from_args(request.args)
    page = paginate(
        db.session,
        departments_overview(filters),
        page=filters.page,
        per_page=DEPARTMENTS_PER_PAGE,
    )
    product = db.session.get(Product, filters.product_id) if filters.product_id else None
    return render(
        "catalogue/departments.html",
        "results",
        page=replace(page, rows=[department for (department,) in page.rows]),
        filters=filters,
        product=product,
    )


@bp.get("/departments/options")
@requires("browse")
def options():
    """Departments matching a search, as a search select's options (htmx); with
    `not_used_by`, only those not yet using that product."""
    source = department_source(not_used_by=parse_id(request.args.get("not_used_by")))
    return render_fragment("macros/_search_options.html", **search_options(source, request.args))


@bp.get("/departments/<int:department_id>")
@requires("browse")
def show(department_id: int):
    department = db.one_or_404(department_page(department_id))
    return render(
        "catalogue/department.html",
        department=department,
        open_rows=open_requests_for(
            db.session, department_id=department.id, user_id=current_user.id, limit=20
        ),
        open_total=count_open_requests(db.session, department_id=department.id),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@requires("edit_catalogue")
def create():
    form = DepartmentForm()
    if form.validate_on_submit():
        department = create_department(db.session, current_user, **form.values())
        db.session.commit()
        flash(f"Department {department.name} added.", "success")
        return redirect(url_for(".show", department_id=department.id))
    return render(
        "catalogue/department_form.html",
        form=form,
        department=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires("edit_catalogue")
def edit(department_id: int):
    department = db.get_or_404(Department, department_id)
    form = DepartmentForm(obj=department, department=department)
    if form.validate_on_submit():
        edit_department(db.session, current_user, department, **form.values())
        db.session.commit()
        flash("Department saved.", "success")
        return redirect(url_for(".show", department_id=department.id))
    return render(
        "catalogue/department_form.html",
        form=form,
        department=department,
        status=422 if form.is_submitted() else 200,
    )
