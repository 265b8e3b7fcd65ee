"""The workshop's text steps: each starts a job and answers at once with its id."""

from __future__ import annotations

from flask import Blueprint, Response

from server.api.answers import GenerationStarted, JobStarted
from server.api.contract import answer
from server.api.principal import current_owner
from server.api.request_body import parse_body
from server.pipeline.generation import Generator
from server.pipeline.requests import (
    GenerationRequest,
    InterceptionRequest,
    OptimizationRequest,
    TeacherOverrideRequest,
)
from server.pipeline.workshop import Workshop


def pipeline_blueprint(workshop: Workshop, generator: Generator) -> Blueprint:
    bp = Blueprint("pipeline", __name__)

    @bp.post("/api/interception")
    def interception() -> tuple[Response, int]:
        run, job = workshop.start_interception(parse_body(InterceptionRequest), current_owner())
        return answer(JobStarted(job_id=job.id, run_id=run.id), 202)

    @bp.post("/api/runs/<run_id>/teacher-override")
    def teacher_override(run_id: str) -> tuple[Response, int]:
        run, job = workshop.override_review_block(run_id, parse_body(TeacherOverrideRequest).pin)
        return answer(JobStarted(job_id=job.id, run_id=run.id), 202)

    @bp.post("/api/optimization")
    def optimization() -> tuple[Response, int]:
        request = parse_body(OptimizationRequest)
        job = workshop.start_optimization(request, current_owner())
        return answer(JobStarted(job_id=job.id, run_id=request.run_id), 202)

    @bp.post("/api/generation")
    def generation() -> tuple[Response, int]:
        request = parse_body(GenerationRequest)
        generation_id, job = generator.start(request, current_owner())
        return answer(
            GenerationStarted(job_id=job.id, run_id=request.run_id, generation_id=generation_id), 202
        )

    return bp
