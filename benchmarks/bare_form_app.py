"""The baseline for the ingress benchmark: a FastAPI endpoint that only parses the form."""

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/twilio/messages")
async def parse_only(request: Request) -> Response:
    """Parse Twilio's form and answer empty TwiML, nothing else."""
    await request.form()
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', media_type="text/xml"
    )
