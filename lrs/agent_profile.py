from flask import Blueprint

blueprint = Blueprint("xapi_agent_profile", __name__, url_prefix="/xapi")
