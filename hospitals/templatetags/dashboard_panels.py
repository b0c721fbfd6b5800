from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_panel(context, panel):
    """Render a registered panel's template with the page's context plus what its selector returned."""
    panel_template = context.template.engine.get_template(panel["template"])
    with context.push(**panel["context"]):
        return panel_template.render(context)
