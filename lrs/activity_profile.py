from flask import Blueprint

blueprint = Blueprint("xapi_activity_profile", __name__, url_prefix="/xapi")
