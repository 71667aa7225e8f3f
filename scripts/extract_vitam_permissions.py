"""Rebuild vitamlite/resources/security/endpoint-permissions.json from a Vitam checkout.

    cd vitam-checkout && python path/to/extract_vitam_permissions.py OUTPUT.json COMMIT

Reads the permission each external endpoint requires (@Secured) and its path (@Path) in Vitam's
external REST resources, and the permission strings of SecurityProfilePermissions.
"""
import json
import re
import subprocess
import sys

def show(p): return subprocess.run(["git","show","HEAD:"+p],capture_output=True,text=True).stdout
enum = dict(re.findall(r'\b([A-Z_]+)\("([a-z_:.]+)"', show("sources/common/common-public/src/main/java/fr/gouv/vitam/utils/SecurityProfilePermissions.java")))
files = {
 "/access-external/v1": ["sources/access/access-external/access-external-rest/src/main/java/fr/gouv/vitam/access/external/rest/AccessExternalResource.java",
   "sources/access/access-external/access-external-rest/src/main/java/fr/gouv/vitam/access/external/rest/LogbookExternalResource.java"],
 "/admin-external/v1": ["sources/access/access-external/access-external-rest/src/main/java/fr/gouv/vitam/access/external/rest/AdminManagementExternalResource.java"],
 "/ingest-external/v1": ["sources/ingest/ingest-external/ingest-external-rest/src/main/java/fr/gouv/vitam/ingest/external/rest/IngestExternalResource.java"],
}
# @Path(AccessExtAPI.EXPORT_PROBATIVE_VALUE) and the like name a constant of AccessExtAPI, not a literal.
constants = dict(re.findall(r'static final String ([A-Z_0-9]+)\s*=\s*"([^"]*)"', show(
    "sources/access/access-external/access-external-api/src/main/java/fr/gouv/vitam/access/external/api/AccessExtAPI.java")))
rows = []
for base, paths in files.items():
    for p in paths:
        src = show(p)
        # split by method annotations blocks ending in a method declaration
        for block in re.split(r"\n\s*(?:public|private|protected) [^\n]*\(", src):
            perm = re.search(r"@Secured\(permission\s*=\s*([A-Z_]+)", block)
            path = [literal or constants.get(name, "") for literal, name in
                    re.findall(r'@Path\((?:"([^"]*)"|(?:AccessExtAPI\.)?([A-Z_0-9]+))\)', block)]
            verb = re.findall(r"@(GET|POST|PUT|DELETE|HEAD|OPTIONS)\b", block)
            if perm and verb:
                rows.append([verb[-1], base + ("/" + path[-1].lstrip("/") if path else ""), enum.get(perm.group(1), perm.group(1))])
out = sys.argv[1]
with open(out, "w") as handle:
    handle.write('{"source": "ProgrammeVitam/vitam commit %s: @Secured(permission=...) of the external resources, '
                 'values of SecurityProfilePermissions",\n "endpoints": [\n' % sys.argv[2])
    handle.write(",\n".join("  " + json.dumps(row) for row in rows) + "\n]}\n")
print(len(rows), "endpoints written to", out)
