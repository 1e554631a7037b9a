"""Floor: one Plotly scatter of 2,000 points and a selectbox that reruns the script.

Bare Streamlit and Plotly with no data loading, so the difference to our pages is our own cost.
The selectbox reseeds the points, so every change redraws the chart.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

POINTS = 2_000

st.title("Floor: one chart")
seed = st.selectbox("Seed", [1, 2, 3, 4, 5], key="seed")
rng = np.random.default_rng(seed)
# SVG scatter, like the app's evidence map (plotly express would switch to WebGL above 1,000 points).
figure = go.Figure(go.Scatter(x=rng.normal(size=POINTS), y=rng.normal(size=POINTS), mode="markers"))
figure.update_layout(height=450, title=f"{POINTS:,} points, seed {seed}")
st.plotly_chart(figure, key="floor_chart")
