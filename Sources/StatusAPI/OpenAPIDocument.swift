import KubernetesModel

/// The OpenAPI 3.0 document of the status API (`/api/v1/openapi.json`), made from the route table.
public enum OpenAPIDocument {
    public static func document(routes: [StatusRoute]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var operation: JSONValue = ["operationId": .string(route.operationID), "summary": .string(route.summary)]
            var parameters: [JSONValue] = route.pathParameters.map { name in
                ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            if route.paginated {
                parameters.append(["name": "limit", "in": "query", "required": false,
                                   "schema": ["type": "integer", "minimum": 1, "maximum": .int(Int64(StatusAPI.maxPageSize)), "default": .int(Int64(StatusAPI.defaultPageSize))]])
                parameters.append(["name": "continue", "in": "query", "required": false, "schema": ["type": "string"],
                                   "description": "The `continue` value of the previous page."])
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if route.method == .post {
                operation["requestBody"] = ["required": true, "content": ["application/x-www-form-urlencoded": [
                    "schema": ["type": "object", "properties": ["token": ["type": "string"]], "required": ["token"]]]]]
            }
            var responses: [String: JSONValue] = ["200": ["description": "OK", "content": [route.produces.rawValue: ["schema": schema(route)]]]]
            if route.access != .anyone {
                operation["security"] = [["bearer": []]]
                responses["401"] = error("No valid bearer token.")
                responses["503"] = error("The management plane could not review the caller.")
            }
            if route.access == .project { responses["403"] = error("The caller may not see this project (whether it exists or not).") }
            if !route.pathParameters.filter({ $0 != "project" }).isEmpty { responses["404"] = error("No such cluster or addon in the project.") }
            if route.paginated { responses["400"] = error("A bad `limit` or `continue`.") }
            operation["responses"] = .object(responses)
            var item = paths[route.path] ?? [:]
            item[route.method.rawValue.lowercased()] = operation
            paths[route.path] = item
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "addon-manager status API", "version": "v1",
                     "description": "What each project's clusters run and how it is; a project's users see that project only."],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer",
                                               "description": "A token the management plane accepts (checked with a TokenReview; access with SubjectAccessReviews)."]],
                "schemas": ["Error": ["type": "object", "required": ["code", "message"],
                                      "properties": ["code": ["type": "string"], "message": ["type": "string"]]]],
            ],
        ]
    }

    static func error(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
    }

    static func schema(_ route: StatusRoute) -> JSONValue {
        switch route.produces {
        case .json where route.paginated:
            return ["type": "object", "required": ["items"], "properties": ["items": ["type": "array", "items": ["type": "object"]], "continue": ["type": "string"]]]
        case .json: return ["type": "object"]
        default: return ["type": "string"]
        }
    }
}
