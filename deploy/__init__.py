"""Running the app for many users: several Streamlit processes behind a load balancer."""
