"""The bare ceiling: a minimal FastAPI app answering a constant JSON, served the same way."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok", "service": "bare"}
