"""A bare FastAPI endpoint, the baseline the gateway benchmark compares against."""

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.post("/wechat")
async def bare(request: Request) -> PlainTextResponse:
    await request.body()
    return PlainTextResponse("success")


@app.get("/healthz")
async def healthz() -> dict:
    return {"ok": True}
