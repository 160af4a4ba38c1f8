FROM python:3.11.9-bookworm
ENV PIP_NO_CACHE_DIR=1
RUN pip install poetry==1.8.3
RUN pip install --upgrade pip
RUN pip install -e .
RUN pip install --index-url https://pypi.example.org/simple private-pkg
USER nobody
