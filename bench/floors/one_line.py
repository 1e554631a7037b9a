"""Floor: the least a Streamlit app can do (one line of text). Anything slower is our own cost."""

import streamlit as st

st.write("Floor app: one line of text.")
