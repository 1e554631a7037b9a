"""MSC Rheumatology Evidence Explorer: page config, navigation and the shared frame.

Every page in pages/ is listed here explicitly (a test checks it); nothing relies on Streamlit's
automatic discovery of the pages/ folder.
"""

import streamlit as st

from components import ui

st.set_page_config(
    page_title="MSC Rheumatology Evidence Explorer",
    page_icon=":material/biotech:",
    layout="wide",
)

navigation = st.navigation(
    {
        "Evidence": [
            st.Page(ui.PAGES["overview"], title="Overview", icon=":material/grid_view:", default=True),
            st.Page(ui.PAGES["explore"], title="Explore studies", icon=":material/table_rows:", url_path="explore"),
        ],
        "About": [
            st.Page(ui.PAGES["methods"], title="Data & methods", icon=":material/menu_book:", url_path="methods"),
        ],
        "Hidden": [
            st.Page(
                ui.PAGES["study"],
                title="Study detail",
                icon=":material/article:",
                url_path="study",
                visibility="hidden",
            ),
        ],
    }
)
# Navigation is declared before anything is drawn, so a deep link (/explore) resolves on a cold start.
result = ui.load_shipped()
if result.evidence is None:
    # Invalid data: show what is wrong, and nothing that could be mistaken for evidence.
    ui.show_problems(result.problems)
    st.stop()

ui.sidebar_about(result.evidence)
navigation.run()
