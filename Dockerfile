# The service image used by docker-compose.yml, on the newest supported Python (3.11 to 3.13).
FROM python:3.13-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RAAS_DATA_DIR=/var/lib/raas
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY src ./src
COPY migrations ./migrations
COPY wsdl ./wsdl
COPY xsd ./xsd
# The data folder (the outbox of the daily run) belongs to the unprivileged user that runs RAAS.
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --system raas \
    && mkdir -p /var/lib/raas/outbox \
    && chown -R raas /var/lib/raas
USER raas
EXPOSE 8080
CMD ["raas", "serve", "--host", "0.0.0.0", "--port", "8080"]
