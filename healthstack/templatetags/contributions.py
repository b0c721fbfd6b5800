from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_contribution(context, piece):
    """Render a piece an app registered for another app's page (a dashboard panel, a doctor page section):
    its template with the page's context plus what its selector returned (``{"template", "context"}``)."""
    piece_template = context.template.engine.get_template(piece["template"])
    with context.push(**piece["context"]):
        return piece_template.render(context)
