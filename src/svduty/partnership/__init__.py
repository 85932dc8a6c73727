"""The partnership for a local policing body's area: its members, model, local definition, the
Duty's requirements, evidence, self-assessments, engagement and the PCC's monitoring view.
"""
