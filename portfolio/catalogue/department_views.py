"""Departments: the list, one department's page, adding and editing them
(endpoints `catalogue.departments.*`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from portfolio.auth.permissions import requires
from portfolio.catalogue.departments import create_department, edit_department
from portfolio.catalogue.forms import DepartmentForm
from portfolio.catalogue.queries import department_page, departments_overview
from portfolio.extensions import db
from portfolio.htmx import render
from portfolio.models import Department
from portfolio.requests.queries import count_open_requests, open_requests_for

bp = Blueprint("departments", __name__)


@bp.get("/departments")
@requires("browse")
def index():
    rows = db.session.execute(departments_overview()).unique().scalars().all()
    return render("catalogue/departments.html", departments=rows)


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
