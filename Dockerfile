# syntax=docker/dockerfile:1
# Build stage: a virtualenv holding exactly requirements.lock (every file checked against its
# sha256), then the project itself without its dependencies and without build isolation, so
# nothing unpinned is fetched.
FROM python:3.11-slim AS build
RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY actors ./actors
COPY messages ./messages
COPY adapters ./adapters
COPY persistence ./persistence
COPY config ./config
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation .

# Run stage: the virtualenv only, a non-root user, migrations applied at every start.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY bin ./bin
COPY settings.yaml ./settings.yaml
RUN mkdir -p /app/var && chown bot:bot /app/var && chmod 0700 /app/var
USER bot
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BOT_MODE=live \
    DATA_DIR=/app/var
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/bin/entry/healthcheck.py"]
# bin/entry/run.py validates the settings and applies migrations before anything else.
ENTRYPOINT ["python", "/app/bin/entry/run.py"]
