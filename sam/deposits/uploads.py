"""Streaming of uploads to disk under settings.UPLOAD_MAX_BYTES.

Django's temporary-file handler already writes to disk in chunks; this one also computes the
SHA-512 on the way and stops an upload as soon as it exceeds the limit (the request is then
flagged, so that the view can tell the user why).
"""

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


def upload_limit() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 10 * 1024**3))


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.total = 0
        self.digest = None
        self.refused = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A declared length far above the limit is refused before reading anything.
        # (Django lets StopUpload escape from here: the refusal happens at the first file.)
        if content_length and content_length > upload_limit() + 1024 * 1024:
            self.refused = True
            self._flag()

    def new_file(self, *args, **kwargs):
        if self.refused:
            raise StopUpload(connection_reset=True)
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha512()

    def receive_data_chunk(self, raw_data, start):
        self.total += len(raw_data)
        if self.total > upload_limit():
            self._flag()
            raise StopUpload(connection_reset=True)
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        file = super().file_complete(file_size)
        if file is not None:
            file.sha512 = self.digest.hexdigest()
        return file

    def _flag(self):
        if self.request is not None:
            self.request.upload_too_large = True


def use_limited_handler(request) -> None:
    """Must run before request.POST / request.FILES are first read."""
    request.upload_handlers = [LimitedTemporaryFileUploadHandler(request)]


class TooLarge(Exception):
    pass


def stream_body_to_file(stream, name: str = "sip.zip", chunk_size: int = 1024 * 1024) -> TemporaryUploadedFile:
    """A raw request body (application/zip) streamed to a temporary file under the limit."""
    upload = TemporaryUploadedFile(name, "application/zip", 0, None)
    digest = hashlib.sha512()
    total = 0
    try:
        while chunk := stream.read(chunk_size):
            total += len(chunk)
            if total > upload_limit():
                raise TooLarge
            digest.update(chunk)
            upload.write(chunk)
        upload.flush()
    except BaseException:
        upload.close()
        raise
    upload.size = total
    upload.sha512 = digest.hexdigest()
    return upload


