# The portal's production image: gunicorn (gthread) serving portal.wsgi as a non-root user.
#   docker build -t workspace-portal .
#   docker run --env-file portal.env -p 8000:8000 workspace-portal
# Run `python manage.py migrate` once per release (a one-shot container/Job) before rolling out;
# the image never migrates on start. Every setting is an environment variable (README "Deploying").
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies in their own layer: rebuilt only when pyproject.toml changes, not on every code
# change. The runtime dependencies are read from pyproject.toml (no dev extra in the image).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-compile -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt \
    && python -c "import hcl2; hcl2.parses('built = true')"
# (The last line builds python-hcl2's parser cache, which Lark writes beside the package: the
# portal user cannot write there, and would otherwise rebuild it in every worker.)

# The code, owned by root and read-only for the portal user.
COPY . .

# Hashed, compressed static files (whitenoise serves them with far-future caching). The build-time
# values exist only for this step: settings refuse to load in production without them. They are
# not real secrets and are not kept in the image's environment.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-build-only-not-a-secret-0123456789abcdefghijklmnop \
    HARNESS_TOKEN_KEYS=YnVpbGQtb25seS1jb2xsZWN0c3RhdGljLW5vdC1rZXk= \
    ALLOWED_HOSTS=build.invalid \
    python manage.py collectstatic --noinput -v 0 \
    && python -m compileall -q portal workspaces harness_fake

ENV DJANGO_ENV=production \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

USER portal:portal
EXPOSE 8000

# /healthz on the local gunicorn (python: the slim image has no curl), with a Host header taken
# from ALLOWED_HOSTS (the environment's, else PORTAL_ENV_FILE's, as the portal reads it); liveness
# only, no dependency checks (those are /readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "portal.healthcheck"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"]
