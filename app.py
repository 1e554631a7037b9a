"""MSC Rheumatology Evidence Explorer: page config, navigation and the shared frame.

Every page in pages/ is listed here explicitly (a test checks it); nothing relies on Streamlit's
automatic discovery of the pages/ folder.
"""

import streamlit as st

from components.views import ui

st.set_page_config(
    page_title="MSC Rheumatology Evidence Explorer",
    # An emoji favicon is drawn in the browser; a ":material/…:" one is fetched from Google's font
    # servers, and the app fetches nothing from the internet.
    page_icon="🔬",
    layout="wide",
)

P = ui.PAGES
navigation = st.navigation(
    {
        "Evidence": [
            st.Page(P["overview"], title="Overview", icon=":material/grid_view:", default=True),
            st.Page(P["explore"], title="Explore studies", icon=":material/table_rows:", url_path="explore"),
            st.Page(P["profile"], title="Condition profile", icon=":material/person_search:", url_path="profile"),
            st.Page(P["compare"], title="Compare side by side", icon=":material/compare_arrows:", url_path="compare"),
        ],
        "Findings": [
            st.Page(P["outcomes"], title="Outcomes and pooled effects", icon=":material/forest:", url_path="outcomes"),
            st.Page(P["mechanisms"], title="Mechanisms", icon=":material/hub:", url_path="mechanisms"),
            st.Page(P["dose"], title="Dose and durability", icon=":material/timeline:", url_path="dose"),
            st.Page(P["safety"], title="Safety", icon=":material/health_and_safety:", url_path="safety"),
            st.Page(P["claims"], title="Claim check", icon=":material/fact_check:", url_path="claims"),
        ],
        "Pipeline": [
            st.Page(P["trials"], title="Registered trials", icon=":material/assignment:", url_path="trials"),
        ],
        "About": [
            st.Page(P["methods"], title="Data & methods", icon=":material/menu_book:", url_path="methods"),
            st.Page(P["your_data"], title="Use your own data", icon=":material/upload_file:", url_path="your-data"),
        ],
        "Hidden": [
            st.Page(P["study"], title="Study detail", icon=":material/article:", url_path="study", visibility="hidden"),
        ],
    },
    # Pages along the top leave the sidebar to the filters, which every page shares.
    position="top",
)
# Navigation is declared before anything is drawn, so a deep link (/explore) resolves on a cold start.
result = ui.load_shipped()
if result.evidence is None:
    # Invalid data: show what is wrong, and nothing that could be mistaken for evidence.
    ui.show_problems(result.problems)
    st.stop()

ui.sidebar_about(result.evidence)
navigation.run()
ui.sidebar_footer()
