"""Use your own data: upload tables in the same schema, validated by the same loader, explored in
every page for this session only. Nothing is written to disk or to the shipped data."""

import pandas as pd
import streamlit as st

from components.evidence.loader import DATA_DIR, DICTIONARY_FILE, EvidenceError, build_evidence
from components.evidence.upload import MAX_UPLOAD_BYTES, collect_upload, template_zip, with_shipped
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
    with st.status("Checking your files…", expanded=True) as status:
        st.write(f"Reading {len(uploads)} file(s)")
        files, upload_problems = collect_upload(((u.name, u.getvalue()) for u in uploads), dictionary)
        st.write("Validating against the data dictionary and vocabularies")
        try:
            user_evidence = build_evidence(with_shipped(files, shipped_files), dictionary)
            problems = upload_problems
        except EvidenceError as err:
            user_evidence, problems = None, [*upload_problems, *err.problems]
        status.update(
            label="Your data passed every check" if user_evidence is not None else "Your data has problems",
            state="complete" if user_evidence is not None else "error",
        )
    if problems:
        st.dataframe(
            pd.DataFrame(
                [
                    {"File": p.file, "Row": p.row, "Column": p.column, "Value": p.value, "Problem": p.message}
                    for p in problems
                ]
            ),
            hide_index=True,
            width="stretch",
            key="upload_problems",
        )
    if user_evidence is not None:
        st.success(
            f"{len(user_evidence.studies)} studies, {len(user_evidence.outcomes)} outcomes, "
            f"{len(user_evidence.registered_trials)} registered trials. Uploaded: {', '.join(sorted(files)) or 'nothing new'}."
        )
        if st.button("Explore this data in every page", key="use_upload", type="primary"):
            st.session_state[ui.USER_EVIDENCE] = (", ".join(sorted(files)) or "upload", user_evidence)
            st.switch_page(ui.PAGES["overview"])
