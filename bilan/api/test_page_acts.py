"""Every act a page offers has an API operation (issue 12): each state-changing URL pattern of
config.urls is mapped to the operationId doing the same act through the same owner.

Which patterns change state, read from each view (no request is made, so no fixture can hide
one and no view runs):
- a class-based view (`view_class`) changes state when it has a post/put/patch/delete handler;
- a function view wrapped by `require_http_methods` (`require_POST`, `require_GET`…) accepts
  the methods its decorator lists: Django keeps the list in the wrapper's closure
  (`request_method_list`), found by walking the `__wrapped__` chain; any method past GET,
  HEAD, OPTIONS and TRACE is a change;
- an undecorated function view accepts every method, so its source decides: it changes state
  when it (or a bilan function it calls by name, one level down, for views delegating to a
  shared form handler) reads `request.POST`, `request.FILES` or `request.method`, or names
  "POST". A view that only ever renders never reads these.
Sending OPTIONS/GET and looking for 405 was not chosen: most pages answer 302/403/404 before
the method matters, and undecorated views answer 200 to any method.

Each state-changing pattern must be in exactly one of:
- PAGE_ACTS: url name → the operationId(s) of the same act (each must exist in the schema);
- NOT_API: acts that have no API counterpart by nature, each with its reason;
- NO_OPERATION_YET: page acts still missing an operation (each says which owner a future
  operation calls); a gap listed here is known and reported, never silent. It is empty, and
  a test keeps it so: a new page act comes with its operation, or with a reason in NOT_API.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
READS_A_BODY = re.compile(r"request\.(POST|FILES|method)\b|\"POST\"")

PAGE_ACTS: dict[str, tuple[str, ...]] = {
    # bilans
    "bilans:create": ("create_bilan",),
    "bilans:transition": ("advance_bilan",),
    "bilans:consent": ("record_consent",),
    "bilans:framing": ("record_preliminary_outputs",),
    "bilans:hours": ("plan_hours",),
    "bilans:reassign": ("assign_consultant",),
    "bilans:personal_work": ("record_personal_work",),
    "bilans:administration": ("update_administration",),
    "portal:validate_arrangements": ("advance_bilan",),  # transition validate_arrangements
    "portal:withdraw_consent": ("withdraw_consent",),
    "portal:consent": ("record_consent",),
    # accounts and organisations (bilan/api/organisations.py)
    "organisations:team": ("invite_member",),
    "organisations:settings": ("update_organisation", "add_hours_rule"),
    "organisations:answer_invitation": ("accept_invitation", "decline_invitation"),
    # entretiens
    "entretiens:schedule": ("schedule_entretien",),
    "entretiens:reschedule": ("reschedule_entretien",),
    "entretiens:conduct_held": ("mark_entretien_held",),
    "entretiens:cancel": ("cancel_entretien",),
    "entretiens:conduct_cancel": ("cancel_entretien",),
    "entretiens:update": ("mark_entretien_held", "cancel_entretien"),  # tenu; manque, annulé
    "entretiens:conduct_framing": ("record_preliminary_outputs",),
    "entretiens:note": ("save_entretien_note",),
    "entretiens:checklist": ("set_checklist_item",),
    "entretiens:assignment_new": ("create_assignment",),
    "entretiens:attendance": ("sign_attendance",),
    "entretiens:guide_copy": ("copy_default_guide",),
    "entretiens:guide_add_interview": ("add_guide_interview",),
    "entretiens:guide_edit": ("edit_guide_interview",),
    "followup:certificate_reissue": ("reissue_certificate",),
    "portal:assignment_done": ("complete_assignment",),
    "portal:assignment_reopen": ("reopen_assignment",),
    "portal:attendance": ("sign_attendance",),
    # assessments
    "portal:test_about": ("start_administration",),
    "portal:test_take": ("save_answers", "submit_administration"),
    "assessments:result": ("debrief_result",),
    "assessments:extra_competences": ("set_extra_competences",),
    "portal:test_result": ("comment_result", "withdraw_health_consent"),
    # exercises and exchanges
    "portal:parcours_new": ("create_experience",),
    "portal:parcours_edit": ("update_experience",),
    "portal:parcours_delete": ("delete_experience",),
    "portal:rome_link": ("link_competence_to_rome",),
    "portal:rome_unlink": ("unlink_competence_from_rome",),
    "portal:motivations": ("save_motivations",),
    "portal:journal_new": ("create_journal_entry",),
    "portal:journal_share": ("share_journal_entry",),
    "portal:journal_delete": ("delete_journal_entry",),
    "portal:journal_entry": ("update_journal_entry",),
    "exchanges:thread": ("post_message",),
    "portal:messages": ("post_message",),
    "portal:messages_bilan": ("post_message",),
    "portal:assignment_comments": ("post_message",),  # assignment_id and question
    # careers
    "portal:interests": ("save_interests",),
    "portal:metiers_fiche": ("save_fiche",),
    "portal:recherche_remove": ("remove_saved_fiche",),
    "careers:matching_compute": ("compute_matches",),
    "careers:matching_review": ("review_matches",),
    "careers:matching_decide": ("decide_match",),
    "careers:matching_undo": ("undo_match_decision",),
    "careers:piste_create": ("create_piste",),
    "careers:piste_edit": ("update_piste",),
    "careers:piste_status": ("update_piste",),
    "portal:piste_create": ("create_piste",),
    "portal:piste_edit": ("update_piste",),
    "portal:piste_status": ("update_piste",),
    "careers:enquete_create": ("create_enquete",),
    "careers:enquete": ("update_enquete",),
    "portal:enquete_create": ("create_enquete",),
    "portal:enquete": ("update_enquete",),
    "portal:project_validate": ("validate_project",),
    # documents
    "documents:synthese_start": ("prefill_synthese", "save_synthese"),  # prefilled or empty
    "documents:synthese_save": ("save_synthese",),
    "documents:synthese_submit": ("submit_synthese",),
    "documents:synthese_prefill": ("prefill_synthese",),
    "documents:synthese_render": ("render_synthese",),
    "documents:synthese_handover": ("record_synthese_handover",),
    "portal:synthese_render": ("render_synthese",),
    "portal:synthese_observations": ("submit_observations",),
    "portal:synthese_decision": ("validate_synthese",),
    "portal:synthese_share": ("share_synthese",),
    "portal:synthese_share_revoke": ("revoke_synthese_share",),
    # followup
    "followup:action_new": ("create_action",),
    "followup:action_edit": ("update_action",),
    "followup:action_track": ("update_action",),
    "followup:action_delete": ("delete_action",),
    "followup:plan_b": ("save_plan_b",),
    "portal:plan_action_delete": ("delete_action",),
    "portal:plan_b": ("save_plan_b",),
    "portal:plan_action_new": ("create_action",),
    "portal:plan_action_edit": ("update_action",),
    "portal:plan_action_track": ("update_action",),
    "followup:close": ("close_bilan",),
    "followup:suivi_schedule": ("schedule_suivi",),
    "followup:suivi_start": ("start_suivi",),
    "followup:suivi_report": ("save_suivi_report",),
    "followup:suivi_outcome": ("record_suivi_outcome",),
    # lifecycle
    "portal:sign_agreement": ("sign_conservation_agreement",),
    "portal:withdraw_agreement": ("withdraw_conservation_agreement",),
    "lifecycle:confirm_rule": ("confirm_retention_rule",),
    "portal:notice": ("acknowledge_information_notice",),
    "portal:data_request": ("create_data_request",),
    "lifecycle:answer_request": ("answer_data_request",),
    "lifecycle:extend_request": ("extend_data_request",),
    "lifecycle:breaches": ("record_breach",),
    "lifecycle:breach_notified": ("notify_breach",),
    "lifecycle:place_hold": ("place_legal_hold",),
    "lifecycle:lift_hold": ("lift_legal_hold",),
    "lifecycle:proof_variant": ("set_proof_retention",),
    "portal:suivi": ("submit_self_diagnosis",),
    # billing
    "billing:profile": ("set_billing_profile",),
    "billing:rule_add": ("add_billing_rule",),
    "billing:invoice_new": ("create_invoice",),
    "billing:invoice_issue": ("issue_invoice",),
    "billing:invoice_credit": ("create_credit_note",),
    "billing:invoice_delete": ("delete_invoice",),
    "billing:contract_new": ("create_personal_contract",),
    "billing:contract_schedule": ("set_instalments",),
    "portal:contract_withdraw": ("withdraw_personal_contract",),
    # quality
    "portal:survey_answer": ("submit_survey_answer",),
    "quality:survey_question_add": ("add_survey_question",),
    "quality:survey_stakeholders": ("invite_stakeholders",),
    "quality:version_confirm": ("confirm_referential_version",),
    "quality:complaint_new": ("create_complaint",),
    "quality:complaint_treat": ("treat_complaint",),
    "quality:complaint_settings": ("update_quality_settings",),
    "portal:complaints": ("create_complaint",),
    "quality:improvement_new": ("create_improvement",),
    "quality:improvement_update": ("update_improvement",),
    "quality:audit_pack_build": ("build_audit_pack",),
    "quality:watch": ("create_watch_entry",),
    # funding
    "funding:edit": ("set_funding",),
    "funding:cpf_rules": ("confirm_cpf_rule",),
    "funding:qualiopi": ("record_qualiopi_certificate",),
    "funding:edof": ("record_edof_status",),  # by hand or a CSV, row by row
}

NOT_API: dict[str, str] = {
    "accounts:login": "Signing in opens a web session; the API authenticates by bearer token.",
    "accounts:logout": "Ends the web session; a token is revoked on « Jetons d'API ».",
    "accounts:login_link_request": "Asks for a sign-in link by e-mail: a web session's start.",
    "accounts:login_link": "Signs in from an e-mailed link: a web session's start.",
    "accounts:mfa_verify": "The second factor of a web sign-in; tokens are issued after it.",
    "accounts:mfa_enrol": "MFA enrolment is the web session's (the QR code, a code typed).",
    "accounts:mfa_disable": "Disabling MFA is a credential change, web session only.",
    "accounts:password_change": "A password change is a credential change, web session only.",
    "accounts:reset": "Password reset by e-mail, before any session or token exists.",
    "accounts:reset_confirm": "Sets a new password from the e-mailed link, before any token.",
    "accounts:invitation": "Activates an invited account (sets its password): before any token.",
    "accounts:tokens": "Issuing an API token needs the web session: a token never mints tokens.",
    "accounts:token_revoke": "Token management is the web session's, with the token list.",
    "organisations:choose": "The organisation chooser of the web session; the API names the "
    "organisation in the X-Bilan-Organisation header on each call.",
    "set_language": "Django's language cookie for the pages (CSRF form); the API is French.",
    "portal:synthese_shared": "A third party's one-time download link, without any account or "
    "token: its token is the link itself.",
}

# Empty since issue 12's i12-ops: every page act has its operation (or its reason in NOT_API).
NO_OPERATION_YET: dict[str, str] = {}


def _methods(view: Callable[..., Any]) -> list[str] | None:
    """The methods a `require_http_methods` wrapper in the chain lets through, if any."""
    func: Any = view
    while func is not None:
        code = getattr(func, "__code__", None)
        for name, cell in zip(
            code.co_freevars if code else (), getattr(func, "__closure__", None) or (), strict=True
        ):
            if name == "request_method_list":
                return [m.upper() for m in cell.cell_contents]
        func = getattr(func, "__wrapped__", None)
    return None


def _innermost(view: Any) -> Any:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _reads_a_body(func: Any, depth: int = 1) -> bool:
    try:
        source = inspect.getsource(func)
    except (TypeError, OSError):
        return False
    if READS_A_BODY.search(source):
        return True
    if depth == 0 or not hasattr(func, "__code__"):
        return False
    names = func.__globals__
    return any(
        inspect.isfunction(names.get(name))
        and names[name].__module__.startswith("bilan.")
        and _reads_a_body(_innermost(names[name]), depth - 1)
        for name in func.__code__.co_names
    )


def changes_state(view: Callable[..., Any]) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return any(hasattr(view_class, m) for m in ("post", "put", "patch", "delete"))
    methods = _methods(view)
    if methods is not None:
        return bool(set(methods) - SAFE_METHODS)
    return _reads_a_body(_innermost(view))


def patterns(resolvers: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue  # the API itself
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from patterns(entry.url_patterns, inner)
        else:
            yield namespace + (entry.name or str(entry.pattern)), entry


def state_changing() -> set[str]:
    return {name for name, p in patterns(get_resolver().url_patterns) if changes_state(p.callback)}


def operation_ids() -> set[str]:
    spec = api.get_openapi_schema()
    return {op["operationId"] for item in spec["paths"].values() for op in item.values()}


def test_every_state_changing_page_url_has_an_operation_or_a_reason():
    found = state_changing()
    listed = set(PAGE_ACTS) | set(NOT_API) | set(NO_OPERATION_YET)
    assert not found - listed, f"page acts with no entry: {sorted(found - listed)}"
    assert not listed - found, f"entries for no state-changing URL: {sorted(listed - found)}"


def test_each_url_is_in_one_list_only_and_every_reason_is_written():
    lists = [set(PAGE_ACTS), set(NOT_API), set(NO_OPERATION_YET)]
    assert sum(len(names) for names in lists) == len(set().union(*lists))
    assert all(reason.strip() for reason in [*NOT_API.values(), *NO_OPERATION_YET.values()])


def test_no_page_act_is_left_without_an_operation():
    assert NO_OPERATION_YET == {}, f"page acts without an operation: {sorted(NO_OPERATION_YET)}"


def test_every_mapped_operation_exists_in_the_openapi_schema():
    known = operation_ids()
    missing = {name: ids for name, ids in PAGE_ACTS.items() if not ids or set(ids) - known}
    assert not missing, f"operationIds not in the schema: {missing}"


def test_the_detection_sees_each_kind_of_view():
    """One of each kind, so that a change in Django's decorators cannot empty the list."""
    found = state_changing()
    assert "accounts:login" in found  # a class-based view with post()
    assert "bilans:transition" in found  # require_POST
    assert "portal:interests" in found  # undecorated, reads request.method
    assert "exchanges:journal" not in found  # require_GET
    assert "bilans:detail" not in found  # undecorated, renders only
    assert "accounts:reset_done" not in found  # a TemplateView
