"""Use your own data: upload tables in the same schema, validated by the same loader, explored in
every page for this session only. Nothing is written to disk or to the shipped data."""

import hashlib

import streamlit as st

from components.evidence.loader import DATA_DIR, DICTIONARY_FILE
from components.evidence.upload import MAX_UPLOAD_BYTES, check_upload, template_zip
from components.views import ui

evidence = ui.evidence()
dictionary = evidence.dictionary
shipped_files = ui.shipped_files()

st.title("Use your own data")
st.markdown(
    "Upload your own evidence tables in this app's format — CSV tables and YAML vocabularies, or one `.zip` of them. "
    "They are checked exactly like the shipped data; if they pass, every page shows **your** data for this browser "
    "session only. Files you do not upload are taken from the shipped dataset. Nothing you upload is stored."
)
st.download_button(
    "Download the template (.zip)",
    data=lambda: template_zip(dictionary, shipped_files, (DATA_DIR / DICTIONARY_FILE).read_bytes()),
    file_name="msc-evidence-template.zip",
    mime="application/zip",
    key="download_template",
    on_click="ignore",
    help="Every table's header row, the vocabularies, the data dictionary and a short README.",
)
uploads = st.file_uploader(
    f"Tables and vocabularies (.csv, .yaml) or one .zip, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB each",
    type=["csv", "yaml", "yml", "zip"],
    accept_multiple_files=True,
    key="upload_files",
)
if uploads:
    # Validate once per distinct upload, not on every rerun of the page.
    digest = hashlib.sha256()
    for u in uploads:
        digest.update(u.name.encode() + b"\0" + u.getvalue())
    cached = st.session_state.get("_upload_check")
    if cached is None or cached[0] != digest.hexdigest():
        with st.spinner("Checking your files…"):
            check = check_upload(((u.name, u.getvalue()) for u in uploads), dictionary, shipped_files)
        st.session_state["_upload_check"] = (digest.hexdigest(), check)
    check = st.session_state["_upload_check"][1]
    state, sentence = check.verdict
    {"error": st.error, "warning": st.warning, "complete": st.success}[state](sentence)
    if check.problems:
        ui.problems_table(check.problems, key="upload_problems")
    if check.evidence is not None:
        user_evidence = check.evidence
        st.markdown(
            f"{len(user_evidence.studies)} studies, {len(user_evidence.outcomes)} outcomes, "
            f"{len(user_evidence.registered_trials)} registered trials. "
            f"Your files: {ui.md(', '.join(check.files))}; everything else is the shipped data."
        )
        if st.button("Explore this data in every page", key="use_upload", type="primary"):
            st.session_state[ui.USER_EVIDENCE] = (", ".join(check.files), user_evidence)
            st.switch_page(ui.PAGES["overview"])
