"""Files an AI produced during a conversation (PDFs, images, CSVs...), drawn from shared blobs."""

from __future__ import annotations

from server.domain import ArtifactKind
from server.seed import hostile_samples
from server.seed.media import ARTIFACT_NAMES
from server.seed.records import ArtifactRecord, BlobRecord
from server.seed.weights import Rand

ARTIFACT_RATE = 0.05  # of ordinary conversations; every hostile one has two, with odd names


class ArtifactPicker:
    __slots__ = ("_blobs", "_kinds")

    def __init__(self, artifact_blobs: dict[str, list[BlobRecord]]) -> None:
        self._blobs = {k: v for k, v in artifact_blobs.items() if v}
        self._kinds = [k.value for k in ArtifactKind if k.value in self._blobs]

    def pick(self, digest: str, hostile: bool, variant: int, r: Rand) -> list[ArtifactRecord]:
        """Usually none; ids come from the conversation's digest."""
        if not (self._kinds and (hostile or r() < ARTIFACT_RATE)):
            return []
        if hostile:
            odd = hostile_samples.HOSTILE_ARTIFACT_NAMES
            chosen = [odd[(2 * variant) % len(odd)], odd[(2 * variant + 1) % len(odd)]]
            picks = [(k if k in self._blobs else self._kinds[0], n) for k, n in chosen]
        else:
            picks = [(self._kinds[int(r() * len(self._kinds))], "")]
        out: list[ArtifactRecord] = []
        for j, (kind, name) in enumerate(picks):
            pool = self._blobs[kind]
            i = int(r() * len(pool))
            blob = pool[i]
            names = ARTIFACT_NAMES.get(kind, ("attachment",))
            out.append(ArtifactRecord(
                id=f"art_{digest[16:32]}{j}",
                kind=kind,
                name=name or names[i % len(names)],
                media_type=blob.media_type,
                blob_sha256=blob.sha256,
                size=len(blob.data),
            ))
        return out
