FROM python:3.11-slim
WORKDIR /app
# Pango and fonts for the PDF export (WeasyPrint); scripts/ensure-pango.sh does the same elsewhere.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY backend ./backend
RUN pip install --no-cache-dir .
COPY alembic.ini ./
COPY alembic ./alembic
COPY frontend ./frontend
ENV ENVIRONMENT=production
EXPOSE 8000
CMD ["sh", "-c", "alembic upgrade head && exec uvicorn backend.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers --no-access-log"]
