from flask import Blueprint

blueprint = Blueprint("xapi_agents", __name__, url_prefix="/xapi")
