from flask import Blueprint

blueprint = Blueprint("xapi_state", __name__, url_prefix="/xapi")
