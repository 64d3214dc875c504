{% load export_tags %}{% autoescape off %}# The Harness workspace {{ identifier|hcl }} as a harness_platform_workspace resource.
# Schema: {{ source }}.
# It needs the Harness provider (source "harness/harness") configured in the module: a
# required_providers entry naming that source and a provider "harness" block with the account and
# an API key. Without them, Terraform looks for hashicorp/harness instead.
# Import the existing workspace instead of creating it:
#   terraform import harness_platform_workspace.{{ label }} {{ import_id|comment|shquote }}
{% for line in linked_note %}# {{ line }}
{% endfor %}{% for line in locks %}# {{ line|comment }}
{% endfor %}{% if unmanaged %}# {{ unmanaged_header }}
{% for item in unmanaged %}{{ unmanaged_item }}{{ item|comment }}
{% endfor %}{% endif %}resource "harness_platform_workspace" {{ label|hcl }} {
{% for name, value in attributes %}  {{ name|ljust:width }} = {{ value|hcl }}
{% endfor %}{% if default_pipelines %}
  default_pipelines = {
{% for operation, pipeline in default_pipelines %}    {{ operation|hcl|ljust:pipeline_width }} = {{ pipeline|hcl }}
{% endfor %}  }
{% endif %}{% for block in blocks %}
  {{ block.name }} {
{% for name, value in block.fields %}    {{ name|ljust:block.width }} = {{ value|hcl }}
{% endfor %}  }
{% endfor %}{% if linked %}
  lifecycle {
    # Imported, the state holds no associated_template: see the note above.
    ignore_changes = [associated_template]
  }
{% endif %}}{% endautoescape %}
