"""Composition root of the Berpijar Learning Hub.

`hub.app.create_app` wires configuration, storage, auth and the feature packages
(`lrs`, `lti`, `transcripts`, `connectors`).  This module imports nothing so that
feature packages can use the infrastructure modules (`hub.errors`, `hub.storage`,
`hub.auth`) without an import cycle through the factory.
"""
