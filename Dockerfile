FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
RUN pip install --no-cache-dir .
COPY alembic.ini ./
COPY alembic ./alembic
COPY frontend ./frontend
ENV ENVIRONMENT=production
EXPOSE 8000
CMD ["sh", "-c", "alembic upgrade head && exec uvicorn backend.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers --no-access-log"]
