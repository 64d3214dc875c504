"""The workspace wizard (create a workspace, or change one), one module per concern.

- `steps`: the steps in order, their defaults and the constants the rules use.
- `forms`: one Django form per step (its `clean_*` methods are the step's rules); `rows`: the
  tag and variable formsets (duplicates, limits as `max_num`) and the row buttons;
  `validation`: a step's form bound with what is stored (problems, step statuses).
- `body`: the Harness create body, where Harness's errors land, review warnings.
- `prefill`: template YAML and workspace values, linked-template locks; `paste`: .tfvars/.env;
  `from_code` (with `code_body`): Start from code, a pasted resource or create body read.
- `drafts`: the services that save drafts; `sources`: what a draft starts from (a template
  version or a workspace to copy, read from Harness); `submit`: submit exactly once, reconcile.
- `change`: a change to an existing workspace (edit drafts: start, send after checking that
  Harness did not change it meanwhile, rebase); `update`: the workspace as read and the update
  body; `diff`: the review of a change; `outcomes`: Harness's answers as stored outcomes.
- `pickers`: the pickers (loaded in parallel) and the identifier check; `picker_search`: what a
  picker's request asks for, and its search without JavaScript (its Search button, Enter).
- `pages`: what the templates get; `views`: the thin views (`change_views`: Edit, send anyway;
  `my_requests`: the paged list of a user's requests);
  `access`: the projects where Harness refused this key a write.

The steps, in order: Start from (`template`), Basics, Repository, Provisioner, Variables, Review.
Start from comes first so a template's or a clone's values are in place before anything is typed.
The order is not stored: a draft keeps its `current_step` and `step_status` by slug.

The stored draft (`WorkspaceDraft.data`) keeps one dict of values per step, as typed:

    template:    {source: scratch|template|clone|code, template_ref, template_version,
                  template_mode: linked|copied, clone_identifier, applied, locked: {...},
                  code_report: {kind, mapped, unmapped: [{number, text, reason}], applied},
                  filled: {step: {field: value}} (what the applied prefill wrote in the later
                  steps: a new choice, or scratch, first drops what still holds it),
                  fixed: {"basics.identifier": ...} (an edit draft only)}
    basics:      {name, identifier, identifier_edited: bool, description, tags: [{key, value}],
                  identifier_checked, identifier_taken (what Harness last said of the identifier:
                  the live check, or a submit's 409), identifier_held (the identifier an
                  unclear create's earlier POST sent, held while it may still land),
                  prefilled: {field: value}, prefilled_from (what a template or clone filled in,
                  and from where: the description field says so)}
    repository:  {connector, repository, fetch_type: branch|tag|commit, branch, tag, commit,
                  path, submodules: false|true|recursive}
    provisioner: {provisioner: opentofu|terraform, version, terragrunt: bool, terragrunt_version,
                  run_all: bool, aws, gcp, azure, vault (connector refs),
                  cost_estimation_enabled: bool, budget}
    variables:   {terraform: [{key, value, value_type}], environment: [...]}

This shape was kept (no data migration) because a form binds from it with one plain function,
`validation.step_data(step, values)` (booleans as "on", rows as the formset's `prefix-N-field` keys
plus its management form), and because it is what the other producers of step values already
speak: template and clone prefill, and `prefill.workspace_values(workspace)`, the seed of the
edit flow. A POST is read back into this shape by the step form's `values()` (never
validated there); validation is `validation.bind_step(step, data).is_valid()` on what is stored,
once per request, while typing and at submit alike. `template.applied`/`locked` are not form
fields: they record which template or workspace prefilled the draft and what a link locks.

Terragrunt is not a provisioner of its own: "Run through Terragrunt" runs the chosen OpenTofu or
Terraform version with its own Terragrunt version, and the body says `provisioner` (the tool),
`provisioner_version` (its version), `terragrunt_provider: true`, `terragrunt_version` and
`run_all`, as the Terraform provider's Terragrunt acceptance test creates it. Drafts saved with
`provisioner: "terragrunt"` were moved to this shape by migration 0003.

A draft linked to a template (`template_mode: linked`) keeps the locked values in its steps (the
wizard shows them read-only), but `body.build_body` leaves out every field the version locks:
Harness refuses a create that sets one ("Attempted to update locked fields") and the workspace
inherits them. `associated_template.template_id` is the identifier of a template of the draft's
project: only those are linked (`steps.LINK_RULE`); an org or account template is copied.
"""
