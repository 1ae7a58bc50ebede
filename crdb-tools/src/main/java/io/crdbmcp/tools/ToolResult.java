package io.crdbmcp.tools;

import java.util.Map;

/**
 * What a handler returns: the compact text for the model and the structured value for programs
 * (which matches the tool's output schema).
 */
public record ToolResult(String text, Map<String, Object> structured) {}
