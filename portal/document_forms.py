"""The CMS document form: a document's content must be what its extension says.

Wagtail checks only the extension (WAGTAILDOCS_EXTENSIONS) and the size; this base form (set as
WAGTAILDOCS_DOCUMENT_FORM_BASE) also sniffs the content, so a program or a web page renamed to
.pdf or .docx is refused on the upload field, in the single and the multiple uploader alike.
"""

from django.conf import settings
from wagtail.documents.forms import BaseDocumentForm

from portal.uploads import UploadRefused, content_check, extension


class DocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # An unchanged file on the edit form was checked when it was uploaded.
        if not upload or "file" not in self.changed_data:
            return upload
        # Wagtail's model validation reports an extension outside the list with its own message.
        if extension(upload.name) in getattr(settings, "WAGTAILDOCS_EXTENSIONS", ()):
            try:
                content_check(name=upload.name, file=upload)
            except UploadRefused as refusal:
                self.add_error("file", refusal.message)
            finally:
                upload.seek(0)
        return upload
