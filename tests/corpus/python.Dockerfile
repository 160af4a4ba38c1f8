FROM python:3.12-slim AS base
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN pip install flask gunicorn==22.0.0
RUN pip install --no-cache-dir requests==2.32.3
RUN python -m pip install --user uvicorn
RUN pip3 install --no-cache-dir "django>=5.0,<5.1"
RUN pip install --no-cache-dir .
COPY . .
USER 10001
CMD ["gunicorn", "app:app"]
