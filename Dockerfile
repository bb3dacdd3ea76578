# syntax=docker/dockerfile:1
# Build stage: turn the project and its dependencies into wheels.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY actors ./actors
COPY messages ./messages
COPY adapters ./adapters
COPY persistence ./persistence
COPY config ./config
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run stage: the wheels only, a non-root user, migrations applied at every start.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY bin ./bin
COPY settings.yaml ./settings.yaml
RUN mkdir -p /app/var && chown bot:bot /app/var
USER bot
ENV PYTHONUNBUFFERED=1 \
    BOT_MODE=live \
    DATA_DIR=/app/var
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "/app/bin/entry/healthcheck.py"]
# bin/entry/run.py validates the settings and applies migrations before anything else.
ENTRYPOINT ["python", "/app/bin/entry/run.py"]
